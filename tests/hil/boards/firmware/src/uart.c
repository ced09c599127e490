/* The UART driver: the interrupt handler fills the RX ring and drains the TX ring, a burst per interrupt. */
#include "uart.h"

#include "board.h"
#include "cm3.h"
#include "ring.h"

#define TX_BURST 16u /* at most a hardware FIFO's worth per interrupt */

typedef struct {
    ring_t rx;
    ring_t tx;
    volatile bool tx_busy; /* an interrupt will come when the hardware has taken what it was given */
    volatile uint32_t rx_overruns;
} uart_t;

static uint8_t bus_rx[4096], bus_tx[2048], log_rx[16], log_tx[8192];
static uart_t uarts[UART_COUNT];

/* Hands the hardware what it takes from the TX ring; called with interrupts masked or from the handler. */
static void tx_fill(unsigned port)
{
    uart_t *uart = &uarts[port];
    unsigned sent = 0u;
    uint8_t byte;
    while (sent < TX_BURST && hw_uart_tx_room(port) && ring_get(&uart->tx, &byte)) {
        hw_uart_tx_byte(port, byte);
        sent++;
    }
    uart->tx_busy = sent > 0u || !hw_uart_tx_room(port);
}

void uart_open(unsigned port, uint32_t baud)
{
    uart_t *uart = &uarts[port];
    if (port == UART_BUS) {
        ring_init(&uart->rx, bus_rx, sizeof bus_rx);
        ring_init(&uart->tx, bus_tx, sizeof bus_tx);
    } else {
        ring_init(&uart->rx, log_rx, sizeof log_rx);
        ring_init(&uart->tx, log_tx, sizeof log_tx);
    }
    uart->tx_busy = false;
    uart->rx_overruns = 0u;
    hw_uart_init(port, baud);
}

void uart_write(unsigned port, const uint8_t *data, uint32_t len)
{
    uart_t *uart = &uarts[port];
    while (len > 0u) {
        while (len > 0u && ring_put(&uart->tx, *data)) {
            data++;
            len--;
        }
        uint32_t mask = irq_save();
        if (!uart->tx_busy) {
            tx_fill(port);
        }
        irq_restore(mask);
        if (len > 0u) {
            wait_for_interrupt(); /* the TX interrupt (or SysTick) makes room */
        }
    }
}

bool uart_read_byte(unsigned port, uint8_t *byte) { return ring_get(&uarts[port].rx, byte); }

void uart_flush(unsigned port)
{
    while (ring_used(&uarts[port].tx) > 0u) {
        wait_for_interrupt();
    }
}

uint32_t uart_rx_overruns(unsigned port) { return uarts[port].rx_overruns; }

void uart_isr(unsigned port)
{
    uart_t *uart = &uarts[port];
    hw_uart_clear_irqs(port); /* first: an octet arriving while we drain raises a fresh interrupt */
    while (hw_uart_rx_ready(port)) {
        if (!ring_put(&uart->rx, hw_uart_rx_byte(port))) {
            uart->rx_overruns++;
        }
    }
    tx_fill(port);
}
