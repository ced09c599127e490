/* SysTick as the timebase: the interrupt counts milliseconds, the current value gives the microseconds between. */
#include "clock.h"

#include "cm3.h"

static volatile uint32_t ticks_ms;
static uint32_t cycles_per_ms;

void SysTick_Handler(void) { ticks_ms = ticks_ms + 1u; }

void clock_init(uint32_t cpu_hz)
{
    cycles_per_ms = cpu_hz / 1000u;
    SYST_CSR = SYST_CSR_CLKSOURCE; /* the processor clock, chosen before the counter is loaded */
    SYST_RVR = cycles_per_ms - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint32_t clock_ms(void) { return ticks_ms; }

uint32_t clock_us(void)
{
    static uint32_t last_us;
    __asm volatile("cpsid i" ::: "memory");
    uint32_t ms = ticks_ms;
    uint32_t left = SYST_CVR;
    if (SCB_ICSR & SCB_ICSR_PENDSTSET) { /* the counter wrapped and its tick is not counted yet */
        ms += 1u;
        left = SYST_CVR;
    }
    __asm volatile("cpsie i" ::: "memory");
    uint32_t elapsed = cycles_per_ms - 1u - left;
    uint32_t now = ms * 1000u + (elapsed * 1000u) / cycles_per_ms;
    if ((int32_t)(now - last_us) < 0) { /* never backwards, whatever the emulator's interrupt timing */
        now = last_us;
    }
    last_us = now;
    return now;
}
