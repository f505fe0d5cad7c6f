"""Views at the edge: live page, terminal view, trend figures."""
