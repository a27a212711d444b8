"""Reports on calls: filters, keyset pages with signed cursors, summaries and breakdowns (from
day tallies), CSV/XLSX export streams and the overview's figures. No Flask requests here: faces
parse with `filters`, then call `pages`, `summary`, `exports` or `overview`."""
