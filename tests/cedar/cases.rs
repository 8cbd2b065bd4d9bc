//! Worked cases: hostile names, malformed requests, snapshots.
