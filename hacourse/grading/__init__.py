"""The instructor's grading tools: expect: entries as judges, hacourse check, golden logs, exercises and nbgrader."""
