"""`make bench` and `make bench-check`: sunco_keys measured against raw httpx, http.client and the official SDK."""
