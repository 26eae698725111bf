"""The Windows sides every design reuses: the SCM and service API, the COM side."""
