/* The flight: the step table flown against the devices, what it reads from telemetry, and its own checks. */
#ifndef FSW_FLIGHT_H
#define FSW_FLIGHT_H

#include "pus.h"

void flight_start(void);
void flight_on_tm(const tm_t *tm);
const char *flight_check(void); /* after the steps: NULL when what was read is right, else why not */
void flight_banner(void);

#endif
