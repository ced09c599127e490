/* Reset and the core exception vectors: copy .data, zero .bss, run main; a fault reports on the log UART. */
#include <stdint.h>

#include "board.h"

extern uint32_t _data_start, _data_end, _data_load, _bss_start, _bss_end, _stack_top;
extern int main(void);
extern void SysTick_Handler(void);

void reset_handler(void)
{
    uint32_t *src = &_data_load;
    for (uint32_t *dst = &_data_start; dst < &_data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_bss_start; dst < &_bss_end;) {
        *dst++ = 0u;
    }
    main();
    for (;;) {
    }
}

/* A fault: say so on the log UART by polling (interrupts cannot be trusted now), then stop. */
static void fault(void)
{
    static const char text[] = "\nVERDICT FAIL processor fault\n";
    for (const char *c = text; *c != '\0'; c++) {
        while (!hw_uart_tx_room(UART_LOG)) {
        }
        hw_uart_tx_byte(UART_LOG, (uint8_t)*c);
    }
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void default_irq(void) {}

__attribute__((section(".vectors.core"), used)) static void (*const core_vectors[16])(void) = {
    (void (*)(void))&_stack_top, reset_handler, fault, fault, fault, fault, fault, 0, 0, 0, 0,
    default_irq, default_irq, 0, default_irq, SysTick_Handler,
};
