//! The saved index (issue 11): filled in below.
