#include "common/rw_mutex.h"

#include <cerrno>
#include <system_error>

namespace certwatch {
namespace {

void Check(int rc, const char* what) {
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

}  // namespace

WriterPreferringSharedMutex::WriterPreferringSharedMutex() {
  pthread_rwlockattr_t attr;
  Check(pthread_rwlockattr_init(&attr), "pthread_rwlockattr_init");
  // glibc's only writer-preferring kind; the "nonrecursive" is the rule in the header.
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  const int rc = pthread_rwlock_init(&rw_, &attr);
  pthread_rwlockattr_destroy(&attr);
  Check(rc, "pthread_rwlock_init");
}

WriterPreferringSharedMutex::~WriterPreferringSharedMutex() { pthread_rwlock_destroy(&rw_); }

void WriterPreferringSharedMutex::lock() { Check(pthread_rwlock_wrlock(&rw_), "rwlock wrlock"); }
bool WriterPreferringSharedMutex::try_lock() { return pthread_rwlock_trywrlock(&rw_) == 0; }
void WriterPreferringSharedMutex::unlock() { pthread_rwlock_unlock(&rw_); }
void WriterPreferringSharedMutex::lock_shared() {
  Check(pthread_rwlock_rdlock(&rw_), "rwlock rdlock");
}
bool WriterPreferringSharedMutex::try_lock_shared() { return pthread_rwlock_tryrdlock(&rw_) == 0; }
void WriterPreferringSharedMutex::unlock_shared() { pthread_rwlock_unlock(&rw_); }

}  // namespace certwatch
