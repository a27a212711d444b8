"""Dispatching: claiming queued calls, driving them through their gateway (`dispatcher`), and the
upkeep of calls nobody drives any more (`maintenance`). Run by `flashcall.worker`."""
