// Windows mode (--ports): one generator process, connections to several servers, measuring one
// server at a time in short windows that the caller orders on stdin.
#pragma once

#include "options.h"

// Runs until stdin says "quit" or closes; returns the exit status.
int runWindows(const Options& o);
