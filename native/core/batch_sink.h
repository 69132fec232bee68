// Where a reactor hands finished batches: the bridge to JS implements it.
#pragma once

#include <cstdint>

#include "event_batch.h"

namespace ringnet {

class Reactor;

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  // A batch is ready. Threaded reactors call this from their own thread (the
  // sink queues it and wakes the JS thread); an inline reactor calls it on the
  // JS thread, and the sink may run the handlers before returning.
  virtual void deliver(Reactor& reactor, const PublishedBatch& batch) = 0;
};

}  // namespace ringnet
