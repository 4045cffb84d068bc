"""The reading viewer: DICOMweb (WADO-RS subset) and AI-overlay endpoints, and the Cornerstone3D page include.

See ``README.md`` in this folder for the build, the endpoints, the embed contract and the test hook.
"""
