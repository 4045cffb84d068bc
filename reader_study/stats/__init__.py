"""Pure statistics for reader studies (no Django): proportions, 2x2 tests, ROC/DeLong, OR-MRMC, agreement, AI metrics.

Every public function returns a frozen dataclass and is validated against published output of established software
(Iowa OR-DBM MRMC, MRMCaov, iMRMC, pROC, statsmodels); see ``tests/stats/``.
"""
from reader_study.stats.errors import MRMCDesignError, StatsInputError

__all__ = ["MRMCDesignError", "StatsInputError"]
