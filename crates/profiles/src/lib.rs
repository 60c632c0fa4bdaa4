//! Standard load profiles (BDEW H25, G25) embedded and scaled to an annual energy.
#![deny(missing_docs)]
