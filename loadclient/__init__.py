"""The records service's load client: inserts random batches while consuming the oldest records."""
