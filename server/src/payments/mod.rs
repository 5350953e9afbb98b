//! Payment providers, each speaking its documented protocol, signatures included: VNPay
//! (card and bank gateway), VietQR (a bank transfer anyone's bank app pays) confirmed by
//! Casso's bank-account feed. Facts, vectors and what is unverified:
//! ../shared/research/payments.md; each unverified fact lives in one constant.

pub mod casso;
pub mod vietqr;
pub mod vnpay;
