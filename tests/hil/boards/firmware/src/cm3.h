/* Cortex-M3 core registers this firmware uses: NVIC, SysTick, interrupt masking, sleep. */
#ifndef FSW_CM3_H
#define FSW_CM3_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define SYST_CSR REG32(0xE000E010u)
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

static inline void nvic_enable(unsigned irq) { NVIC_ISER(irq / 32u) = 1u << (irq % 32u); }

/* Masks interrupts and returns whether they were masked before (for irq_restore). */
static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void irq_restore(uint32_t primask) { __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory"); }

static inline void irq_enable_all(void) { __asm__ volatile("cpsie i" ::: "memory"); }

static inline void wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }

#endif
