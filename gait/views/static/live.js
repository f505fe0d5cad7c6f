// Live page client: receives JSON over the WebSocket and updates numbers and charts.
// State lives on the server; a page that (re)connects gets a snapshot, then updates.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const WINDOW_S = 120;     // seconds of history shown on the charts
  const MAX_POINTS = 1200;  // points kept per trace (extendTraces maxPoints)
  const live = (window.gaitLive = { messages: 0, last: null, latencies: [] });
  const dark = { paper_bgcolor: "#1a2128", plot_bgcolor: "#1a2128", font: { color: "#e8ecef" },
                 margin: { l: 50, r: 15, t: 35, b: 35 }, showlegend: true,
                 legend: { orientation: "h", y: -0.2 } };

  function fmt(v, digits) { return v === null || v === undefined ? "—" : Number(v).toFixed(digits); }
  // Labels, units, scales and decimals come from the one metric table (gait/contract/metric_defs.py),
  // embedded in the page by the server: no unit or conversion factor is written here.
  const DEFS = JSON.parse(document.getElementById("metric-defs").textContent);
  function def(name) { return DEFS[name] || { label: name, unit: "", scale: 1, decimals: 1 }; }
  function shown(name, v) { const d = def(name); return v === null || v === undefined ? "—" : fmt(v * d.scale, d.decimals); }
  function labelOf(name) { const l = def(name).label; return l.charAt(0).toUpperCase() + l.slice(1); }
  function titled(name) { const d = def(name); return labelOf(name) + (d.unit ? " (" + d.unit + ")" : ""); }
  function withUnit(name, text) { const u = def(name).unit; return !u ? text : ("°×".includes(u[0]) ? text + u : text + " " + u); }
  const KMH_PER_MPS = 3.6;  // second line under a speed in m/s, for runners used to km/h
  for (const box of document.querySelectorAll(".big[data-metric]")) {
    box.querySelector(".label").textContent = labelOf(box.dataset.metric);
    if (box.dataset.metric !== "speed") box.querySelector(".unit").textContent = def(box.dataset.metric).unit;
  }
  function clock(t) { const s = Math.max(0, Math.floor(t)); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }

  // --- charts --------------------------------------------------------------------------
  function initCharts() {
    Plotly.newPlot("cadence-chart", [
      { x: [], y: [], name: "target low", mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false },
      { x: [], y: [], name: "target band", mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: "rgba(60,207,122,0.25)", hoverinfo: "skip" },
      { x: [], y: [], name: "cadence", mode: "lines", line: { color: "#4fb3ff", width: 3 } },
    ], { ...dark, title: { text: titled("cadence") }, xaxis: { title: { text: "time (s)" } } },
    { displayModeBar: false, responsive: true });
    Plotly.newPlot("gct-chart", [
      { x: [], y: [], name: "left", mode: "markers+lines", line: { color: "#ff8c42" } },
      { x: [], y: [], name: "right", mode: "markers+lines", line: { color: "#b48cff" } },
    ], { ...dark, title: { text: labelOf("gct") + " per step (" + def("gct").unit + ")" }, xaxis: { title: { text: "time (s)" } } },
    { displayModeBar: false, responsive: true });
  }

  let bandLo = null, bandHi = null;
  function addPoints(points, target) {
    if (!points || !points.length) return;
    const band = target && target.cadence ? target.cadence : null;
    if (band) { bandLo = band[0]; bandHi = band[1]; }
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const lo = points.map(() => (bandLo === null ? null : bandLo));
    const hi = points.map(() => (bandHi === null ? null : bandHi));
    Plotly.extendTraces("cadence-chart", { x: [xs, xs, xs], y: [lo, hi, ys] }, [0, 1, 2], MAX_POINTS);
    const tEnd = xs[xs.length - 1];
    Plotly.relayout("cadence-chart", { "xaxis.range": [Math.max(0, tEnd - WINDOW_S), tEnd + 2] });
  }

  function addSteps(steps) {
    if (!steps || !steps.length) return;
    const L = steps.filter((s) => s.side === "left" && s.gct !== null);
    const R = steps.filter((s) => s.side === "right" && s.gct !== null);
    Plotly.extendTraces("gct-chart", {
      x: [L.map((s) => s.t_ic), R.map((s) => s.t_ic)],
      y: [L.map((s) => s.gct * def("gct").scale), R.map((s) => s.gct * def("gct").scale)],
    }, [0, 1], MAX_POINTS);
    const tEnd = steps[steps.length - 1].t_ic;
    if (tEnd !== null) Plotly.relayout("gct-chart", { "xaxis.range": [Math.max(0, tEnd - WINDOW_S / 2), tEnd + 2] });
  }

  // --- numbers, cue, drills, sensors ----------------------------------------------------
  function showState(m) {
    const x = m.metrics || {};
    $("clock").textContent = clock(m.t || 0);
    $("cadence").textContent = shown("cadence", x.cadence);
    $("gct-left").textContent = shown("gct_left", x.gct_left);
    $("gct-right").textContent = shown("gct_right", x.gct_right);
    $("balance").textContent = shown("gct_balance", x.gct_balance);
    // a balance from sensors that are not comparable is withheld: say so, the reason on hover
    const noBalance = m.withheld && m.withheld.gct_balance;
    $("balance-unit").textContent = noBalance ? "not shown: sensors differ" : def("gct_balance").unit;
    $("balance-unit").title = noBalance || "";
    $("strike").textContent = x.strike || "—";
    $("strike-share").textContent = x.rear_share === null || x.rear_share === undefined ? ""
      : withUnit("rear_share", shown("rear_share", x.rear_share)) + " " + def("rear_share").label;
    if (x.speed !== null && x.speed !== undefined) {
      $("speed").textContent = shown("speed", x.speed);
      $("speed-unit").textContent = def("speed").unit;
      $("speed-kmh").textContent = fmt(x.speed * KMH_PER_MPS, 1) + " km/h";
    } else { $("speed").textContent = "—"; $("speed-unit").textContent = "not measured"; $("speed-kmh").textContent = ""; }
    const band = m.target && m.target.cadence;
    const cbox = $("cadence").parentElement;
    cbox.classList.remove("warn", "good");
    if (band && x.cadence !== null && x.cadence !== undefined) {
      $("cadence-target").textContent = "target " + fmt(band[0], 0) + "–" + fmt(band[1], 0);
      cbox.classList.add(x.cadence < band[0] || x.cadence > band[1] ? "warn" : "good");
    } else { $("cadence-target").textContent = band ? "target " + fmt(band[0], 0) + "–" + fmt(band[1], 0) : "learning baseline…"; }
    const cue = m.cue, box = $("cue");
    box.className = "cue " + (cue ? cue.level : "none");
    box.textContent = cue ? cue.text : (m.n_steps ? "steady — no cue" : "waiting for steps…");
    box.dataset.drill = cue ? cue.drill : "";
    box.dataset.state = cue ? cue.state : "";
    const more = $("cue-more");
    more.replaceChildren();
    for (const c of (m.cues || [])) {
      if (cue && c.drill === cue.drill && c.metric === cue.metric) continue;
      const div = document.createElement("div"); div.textContent = c.text; more.appendChild(div);
    }
    // why a metric has no number, when these sensors cannot measure it (speed without a foot gyro ...)
    const missing = m.missing || {};
    for (const el of document.querySelectorAll(".why[data-why]")) {
      const k = el.dataset.why, v = x[k];
      el.textContent = (v === null || v === undefined || v === "") && missing[k] ? missing[k] : "";
    }
    showChecks(m.input_checks || []);
    showDrills(m.drills || []);
    showSensors(m.sensors || {});
    setTempo(m.metronome_spm);
  }

  // input checks on the first seconds of each sensor (unit from gravity, placement from rotation)
  function showChecks(checks) {
    const box = $("input-checks");
    box.replaceChildren();
    for (const c of checks) {
      const div = document.createElement("div"); div.dataset.code = c.code; div.textContent = "Input check: " + c.message;
      box.appendChild(div);
    }
    box.hidden = !checks.length;
  }

  function showDrills(drills) {
    const root = $("drills");
    root.replaceChildren();
    for (const d of drills) {
      const div = document.createElement("div");
      div.className = "drill"; div.dataset.name = d.name;
      const t = document.createElement("span"); t.className = "title"; t.textContent = d.title + ": ";
      div.appendChild(t);
      for (const c of d.checks) {
        const s = document.createElement("span");
        s.className = "check " + c.state;
        let txt = def(c.metric).label + " " + c.state;
        if (c.time_in_band_pct !== null && c.time_in_band_pct !== undefined) txt += " · " + fmt(c.time_in_band_pct, 0) + "% in band";
        s.textContent = txt;
        div.appendChild(s);
      }
      root.appendChild(div);
    }
  }

  function showSensors(sensors) {
    const ul = $("sensors");
    ul.replaceChildren();
    for (const [name, info] of Object.entries(sensors)) {
      const li = document.createElement("li");
      li.className = info.status; li.dataset.name = name;
      const dot = document.createElement("span"); dot.className = "dot";
      li.appendChild(dot);
      let txt = name + ": " + info.status;
      if (info.rate) txt += " · " + fmt(info.rate, 0) + " Hz";
      if (info.gaps) txt += " · " + info.gaps + (info.gaps === 1 ? " gap" : " gaps") + (info.gap_s ? " (" + fmt(info.gap_s, 1) + " s missing)" : "");
      if (info.rejected) txt += " · " + info.rejected + " rejected";
      if (info.status === "dropped" || info.status === "lost") txt += " — session continues";
      li.appendChild(document.createTextNode(txt));
      if (info.note) {  // e.g. why a phone in an armband shows cadence only
        const note = document.createElement("div"); note.className = "note"; note.textContent = info.note;
        li.appendChild(note);
      }
      ul.appendChild(li);
    }
    if (!ul.children.length) { const li = document.createElement("li"); li.textContent = "no sensor reported yet"; ul.appendChild(li); }
  }

  // --- metronome (WebAudio, look-ahead scheduler) -----------------------------------------
  let audio = null, metOn = false, spm = null, nextTick = 0, timer = null;
  function setTempo(v) {
    spm = v || null;
    const b = $("metronome-btn");
    b.disabled = !spm;
    b.textContent = spm ? "Metronome " + (metOn ? "on" : "off") + " · " + withUnit("cadence", fmt(spm, def("cadence").decimals)) : "Metronome: no target yet";
    b.classList.toggle("on", metOn);
  }
  function click(at) {
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 1200;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.6, at + 0.002);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.04);
    osc.connect(gain).connect(audio.destination);
    osc.start(at); osc.stop(at + 0.05);
  }
  function schedule() {
    if (!metOn || !spm) return;
    while (nextTick < audio.currentTime + 0.12) { click(nextTick); nextTick += 60 / spm; }
  }
  $("metronome-btn").addEventListener("click", () => {
    if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    metOn = !metOn;
    if (metOn) { audio.resume(); nextTick = audio.currentTime + 0.05; timer = setInterval(schedule, 25); }
    else if (timer) { clearInterval(timer); timer = null; }
    setTempo(spm);
  });

  // --- connection -----------------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(proto + "//" + location.host + "/ws" + location.search);
    ws.onopen = () => { $("conn").textContent = "live"; $("conn").className = "conn ok"; };
    const ping = setInterval(() => { if (ws.readyState === 1) ws.send("ping"); }, 15000);
    ws.onclose = () => {
      clearInterval(ping);
      $("conn").textContent = "disconnected — retrying"; $("conn").className = "conn bad";
      setTimeout(connect, 1000);
    };
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      const now = Date.now() / 1000;
      live.messages += 1;
      if (m.type === "heartbeat") return;
      live.last = m;
      if (m.arrival) { live.latencies.push(now - m.arrival); if (live.latencies.length > 5000) live.latencies.shift(); }
      if (m.type === "snapshot") {
        initCharts();
        addPoints(m.points, m.target); addSteps(m.steps);
      } else {
        addPoints(m.new_points, m.target); addSteps(m.new_steps);
      }
      showState(m);
    };
  }
  initCharts();
  showSensors({});
  connect();
})();
