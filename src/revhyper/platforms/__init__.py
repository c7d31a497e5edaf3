"""Putting a block into a training platform over its HTTP API: the machinery every pusher shares, and the test
kit for pusher authors."""
