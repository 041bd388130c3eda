//! Pod packing onto nodes (being written: see the packing issue).
