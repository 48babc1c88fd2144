"""The lesson panel (ipywidgets) and the administrator's tools beside it: the host shell, the portal's tabs."""
