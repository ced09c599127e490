/* Arm MPS2 with the AN385 image (QEMU mps2-an385): CMSDK APB UARTs at 0x40004000/5000, RX IRQ 0/2, TX IRQ 1/3. */
#include "board.h"
#include "cm3.h"
#include "uart.h"

#define UART_BASE(port) (0x40004000u + 0x1000u * (port))
#define DATA(port) REG32(UART_BASE(port) + 0x000u)
#define STATE(port) REG32(UART_BASE(port) + 0x004u)
#define CTRL(port) REG32(UART_BASE(port) + 0x008u)
#define INTSTATUS(port) REG32(UART_BASE(port) + 0x00Cu)
#define BAUDDIV(port) REG32(UART_BASE(port) + 0x010u)
#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)
#define CTRL_TX_EN (1u << 0)
#define CTRL_RX_EN (1u << 1)
#define CTRL_TX_INTEN (1u << 2)
#define CTRL_RX_INTEN (1u << 3)
#define INT_TX (1u << 0)
#define INT_RX (1u << 1)

const char board_name[] = "mps2-an385";
const uint32_t board_cpu_hz = 25000000u; /* the MPS2 FPGA's SYSCLK */

void board_init(void) {}

void hw_uart_init(unsigned port, uint32_t baud)
{
    CTRL(port) = 0u;
    BAUDDIV(port) = board_cpu_hz / baud; /* must be 16 or more */
    INTSTATUS(port) = 0xFu;
    CTRL(port) = CTRL_TX_EN | CTRL_RX_EN | CTRL_TX_INTEN | CTRL_RX_INTEN;
    nvic_enable(2u * port);      /* RX */
    nvic_enable(2u * port + 1u); /* TX */
}

void hw_uart_clear_irqs(unsigned port) { INTSTATUS(port) = INT_TX | INT_RX; }
bool hw_uart_rx_ready(unsigned port) { return (STATE(port) & STATE_RXFULL) != 0u; }
uint8_t hw_uart_rx_byte(unsigned port) { return (uint8_t)DATA(port); }
bool hw_uart_tx_room(unsigned port) { return (STATE(port) & STATE_TXFULL) == 0u; }
void hw_uart_tx_byte(unsigned port, uint8_t byte) { DATA(port) = byte; }

static void uart0_irq(void) { uart_isr(0u); }
static void uart1_irq(void) { uart_isr(1u); }
extern void default_irq(void);

/* External interrupts 0..3 (UART0 RX, TX, UART1 RX, TX), placed after the core exceptions by the linker script. */
__attribute__((section(".vectors.irq"), used)) static void (*const irq_vectors[])(void) = {
    uart0_irq, uart0_irq, uart1_irq, uart1_irq,
};
