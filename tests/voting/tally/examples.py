"""Published worked examples shared by the engine tests (plain data, no fixtures)."""

from voting.tally import RankedProfile

# Wikipedia, "Tennessee capital" example (used on the IRV, Condorcet, Schulze and Borda
# pages): 100 voters, each city's residents rank by distance from home.
MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = 1, 2, 3, 4
TENNESSEE_CANDIDATES = [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE]
TENNESSEE = RankedProfile(
    {
        (MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE): 42,
        (NASHVILLE, CHATTANOOGA, KNOXVILLE, MEMPHIS): 26,
        (CHATTANOOGA, KNOXVILLE, NASHVILLE, MEMPHIS): 15,
        (KNOXVILLE, CHATTANOOGA, NASHVILLE, MEMPHIS): 17,
    }
)

# Wikipedia, "Schulze method", worked example: 45 voters, 5 candidates.
A, B, C, D, E = 11, 12, 13, 14, 15
SCHULZE_CANDIDATES = [A, B, C, D, E]
SCHULZE_WIKIPEDIA = RankedProfile(
    {
        (A, C, B, E, D): 5,
        (A, D, E, C, B): 5,
        (B, E, D, A, C): 8,
        (C, A, B, E, D): 3,
        (C, A, E, B, D): 7,
        (C, B, A, D, E): 2,
        (D, C, E, B, A): 7,
        (E, B, A, D, C): 8,
    }
)

# The reference case in DESIGN.md: Moon Awards 2024, "Top Bitcoin ETFs in 2024", 1,000 ballots.
ETF_COUNTS = {1: 497, 2: 306, 3: 70, 4: 37, 5: 36, 6: 32, 7: 9, 8: 13}
ETF_CANDIDATES = [1, 2, 3, 4, 5, 6, 7, 8]
