/* What each board provides: its name, CPU clock, and the UART hardware under the generic driver in uart.c. */
#ifndef FSW_BOARD_H
#define FSW_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#define UART_BUS 0u /* UART0: the device bus, ASM-framed packets */
#define UART_LOG 1u /* UART1: text log and verdict */
#define UART_COUNT 2u
#define UART_BAUD 115200u

extern const char board_name[];
extern const uint32_t board_cpu_hz; /* the clock SysTick counts with CLKSOURCE = processor clock */

void board_init(void);
void hw_uart_init(unsigned port, uint32_t baud);
void hw_uart_clear_irqs(unsigned port);
bool hw_uart_rx_ready(unsigned port);
uint8_t hw_uart_rx_byte(unsigned port);
bool hw_uart_tx_room(unsigned port);
void hw_uart_tx_byte(unsigned port, uint8_t byte);

#endif
