"""The engine, pure functions over frozen data: screening and clearance, periodization, generating a block (the data
model it writes is block.py), adapting it to a training log, and explaining why."""
