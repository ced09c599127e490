"""Service 17, test: TC[17,1] are-you-alive, answered by TM[17,2]; neither carries data."""

SERVICE = 17
PING = 1
PONG = 2
