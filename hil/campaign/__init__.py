"""Campaigns: a scenario run once per seed, dispersion draw and fault entry, on Dask, into a Parquet dataset.

``farside campaign`` (hil/cli/campaign_cmd.py) drives it; docs/campaigns.md describes the file and the dataset.
"""
