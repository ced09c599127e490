/* The firmware's timer: SysTick at 1 kHz plus its down-counter for microseconds. */
#ifndef FSW_CLOCK_H
#define FSW_CLOCK_H

#include <stdint.h>

void clock_init(uint32_t cpu_hz);
uint32_t clock_us(void); /* microseconds since clock_init; wraps after 71 minutes (compare by difference) */
uint32_t clock_ms(void);

#endif
