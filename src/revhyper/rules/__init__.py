"""The rule set: its model, the condition language, reading it from files (with extends), and proving and diffing it."""
