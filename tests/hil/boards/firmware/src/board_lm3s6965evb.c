/* TI Stellaris LM3S6965 evaluation board (QEMU lm3s6965evb): PL011 UARTs at 0x4000C000/D000, IRQ 5 and 6. */
#include "board.h"
#include "cm3.h"
#include "uart.h"

#define SYSCTL_RCGC1 REG32(0x400FE104u)
#define UART_BASE(port) (0x4000C000u + 0x1000u * (port))
#define DR(port) REG32(UART_BASE(port) + 0x000u)
#define FR(port) REG32(UART_BASE(port) + 0x018u)
#define IBRD(port) REG32(UART_BASE(port) + 0x024u)
#define FBRD(port) REG32(UART_BASE(port) + 0x028u)
#define LCRH(port) REG32(UART_BASE(port) + 0x02Cu)
#define CR(port) REG32(UART_BASE(port) + 0x030u)
#define IMSC(port) REG32(UART_BASE(port) + 0x038u)
#define ICR(port) REG32(UART_BASE(port) + 0x044u)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)

static const unsigned uart_irq[UART_COUNT] = {5u, 6u};

const char board_name[] = "lm3s6965evb";
const uint32_t board_cpu_hz = 12500000u; /* QEMU: 200 MHz PLL / 16 (the reset value of RCC.SYSDIV) */

void board_init(void) { SYSCTL_RCGC1 |= 0x3u; /* clock UART0 and UART1 */ }

void hw_uart_init(unsigned port, uint32_t baud)
{
    uint32_t div64 = (board_cpu_hz * 4u) / baud; /* baud divisor in 1/64ths: 16x oversampling */
    CR(port) = 0u;
    IBRD(port) = div64 >> 6;
    FBRD(port) = div64 & 0x3Fu;
    LCRH(port) = LCRH_WLEN8 | LCRH_FEN;
    ICR(port) = 0x7FFu;
    IMSC(port) = INT_RX | INT_RT | INT_TX;
    CR(port) = CR_UARTEN | CR_TXE | CR_RXE;
    nvic_enable(uart_irq[port]);
}

void hw_uart_clear_irqs(unsigned port) { ICR(port) = INT_RX | INT_RT | INT_TX; }
bool hw_uart_rx_ready(unsigned port) { return (FR(port) & FR_RXFE) == 0u; }
uint8_t hw_uart_rx_byte(unsigned port) { return (uint8_t)DR(port); }
bool hw_uart_tx_room(unsigned port) { return (FR(port) & FR_TXFF) == 0u; }
void hw_uart_tx_byte(unsigned port, uint8_t byte) { DR(port) = byte; }

static void uart0_irq(void) { uart_isr(0u); }
static void uart1_irq(void) { uart_isr(1u); }
extern void default_irq(void);

/* External interrupts 0..7, placed after the core exceptions by the linker script. */
__attribute__((section(".vectors.irq"), used)) static void (*const irq_vectors[])(void) = {
    default_irq, default_irq, default_irq, default_irq, default_irq, uart0_irq, uart1_irq, default_irq,
};
