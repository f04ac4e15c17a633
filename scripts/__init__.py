"""Scripts run from the repository root: evaluations, training, a throwaway PostgreSQL."""
