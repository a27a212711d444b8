"""What every face shares over HTTP: the one error body, the URL prefixes, language choice, rate-limit storage."""
