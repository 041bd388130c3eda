//! Online preemptive flow-time scheduling (being written: see the flowtime issue).
