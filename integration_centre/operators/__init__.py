"""Partner operators: the directory, referrals of case steps, the operator portal, notifications."""
