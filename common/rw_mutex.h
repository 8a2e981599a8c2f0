// A reader-writer lock that lets a waiting writer in before new readers.
// std::shared_mutex (glibc's default rwlock) prefers readers: back-to-back scrapes of a large
// store would keep a source's or a prober's update out indefinitely. With this lock a writer
// waits for the readers already inside (one collection) and no longer.
// A thread must not take the shared lock twice: a writer queued in between would deadlock it.
#pragma once

#include <pthread.h>

namespace certwatch {

class WriterPreferringSharedMutex {
 public:
  WriterPreferringSharedMutex();
  ~WriterPreferringSharedMutex();
  WriterPreferringSharedMutex(const WriterPreferringSharedMutex&) = delete;
  WriterPreferringSharedMutex& operator=(const WriterPreferringSharedMutex&) = delete;

  // SharedMutex requirements, for std::unique_lock / std::shared_lock.
  void lock();
  bool try_lock();
  void unlock();
  void lock_shared();
  bool try_lock_shared();
  void unlock_shared();

 private:
  pthread_rwlock_t rw_;
};

}  // namespace certwatch
