"""bleak scanner backend on the bumble virtual radio."""

from __future__ import annotations

from typing import Any

from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bumble.device import Advertisement, Device

from devices.ble.advertising import parse_advertising_data
from devices.ble.errors import bleak_errors
from devices.ble.radio import VirtualRadio, default_radio


class BumbleScanner(BaseBleakScanner):
    """Scanner backend: a bumble host with its own controller listening on the radio.

    Extra keyword argument (through ``BleakScanner(..., radio=...)``):
    ``radio`` (:class:`VirtualRadio`); default :func:`default_radio`.
    """

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        _scanning_mode: str = "active",
        *,
        radio: VirtualRadio | None = None,
        **kwargs: Any,  # noqa: ARG002 (bleak also passes bluez, cb ...: unused here)
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._radio = radio
        self._host: Device | None = None

    async def start(self) -> None:
        """Start scanning (clears :attr:`seen_devices`)."""
        self.seen_devices = {}
        radio = self._radio or await default_radio()
        self._radio = radio
        with bleak_errors("start scanning"):
            self._host = await radio.new_host("gait-scanner")
            self._host.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            await self._host.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        """Stop scanning and release the host's controller."""
        host, self._host = self._host, None
        if host is None or self._radio is None:
            return
        with bleak_errors("stop scanning"):
            await host.stop_scanning()
        self._radio.remove_host(host)

    def _on_advertisement(self, adv: Advertisement) -> None:
        parsed = parse_advertising_data(adv.data_bytes)
        if not self.is_allowed_uuid(parsed.service_uuids):
            return
        address = adv.address.to_string(False)
        data = AdvertisementData(
            local_name=parsed.local_name,
            manufacturer_data=parsed.manufacturer_data,
            service_data=parsed.service_data,
            service_uuids=parsed.service_uuids,
            tx_power=parsed.tx_power,
            rssi=int(adv.rssi),
            platform_data=(adv,),
        )
        device = self.create_or_update_device(
            address,
            address,
            parsed.local_name,
            {"address_type": int(adv.address.address_type)},
            data,
        )
        self.call_detection_callbacks(device, data)
