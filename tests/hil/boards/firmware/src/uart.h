/* Interrupt-driven UART: RX and TX ring buffers over the board's UART hardware. */
#ifndef FSW_UART_H
#define FSW_UART_H

#include <stdbool.h>
#include <stdint.h>

void uart_open(unsigned port, uint32_t baud);
void uart_write(unsigned port, const uint8_t *data, uint32_t len); /* queues all of it, sleeping while full */
bool uart_read_byte(unsigned port, uint8_t *byte);
void uart_flush(unsigned port); /* until every queued octet is handed to the hardware */
uint32_t uart_rx_overruns(unsigned port);
void uart_isr(unsigned port);

#endif
