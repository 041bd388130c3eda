//! Multi-user cluster scheduling (being written: see the fair issue).
