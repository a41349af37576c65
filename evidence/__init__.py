"""The evidence: the book's data and the rules that read it (loading and validation, counts of
trials, grading of claims, statistics, doses and pharmacokinetics, harms, the PRISMA flow,
versions). No page layout and no build here: ``bookview`` presents, ``bookbuild`` builds."""
