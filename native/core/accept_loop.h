// Accepting from a listener until it is empty (or a cap is hit), shared by the
// reactors and the main reactor. EMFILE/ENFILE never spin: a spare fd is kept,
// released to accept and drop the pending connection, then taken again.
#pragma once

namespace ringnet {

class IoHandler;

class AcceptLoop {
 public:
  AcceptLoop();
  ~AcceptLoop();
  AcceptLoop(const AcceptLoop&) = delete;
  AcceptLoop& operator=(const AcceptLoop&) = delete;

  // Accepts up to maxAccepts connections from a non-blocking listener and
  // hands each to handler->onAccepted. Errors go to onAcceptError.
  void drain(int listenFd, IoHandler* handler, int maxAccepts);

 private:
  void shedOne(int listenFd);
  int spareFd_ = -1;
};

}  // namespace ringnet
