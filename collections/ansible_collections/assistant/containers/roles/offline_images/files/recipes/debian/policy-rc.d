#!/bin/sh
# Packages must not try to start services while an image is being built.
exit 101
