"""Start-up plumbing: settings, the Redis connection, logging."""
