"""Resource clients, one module per API area, reached through ``OrgClient``."""
