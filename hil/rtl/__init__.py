"""Synthesizable Verilog blocks (shipped as package data) for co-simulation with cocotb."""
