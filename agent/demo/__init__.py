"""`relance demo`: the whole product on a fresh machine, no server, no API key, no network."""
