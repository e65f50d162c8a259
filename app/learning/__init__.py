"""Learning: catalogue, course and lesson pages, stored progress, the learner's dashboard."""
