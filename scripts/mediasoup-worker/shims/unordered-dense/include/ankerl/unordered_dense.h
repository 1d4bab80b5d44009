// Plenary shim for <ankerl/unordered_dense.h> (ankerl::unordered_dense 4.x is
// header-only and not packaged by Debian). The mediasoup worker only uses
// ankerl::unordered_dense::map, ::set and ::hash, so they are mapped onto
// abseil's Swiss tables (absl::flat_hash_map / flat_hash_set / absl::Hash from
// Debian's libabsl-dev), which have the same open-addressing semantics as far
// as the worker is concerned: no reference stability across inserts and
// unspecified iteration order.
//
// One API difference matters: unordered_dense's erase(iterator) returns the
// iterator to the next element (the worker does `it = table.erase(it)`), while
// abseil's returns void. abseil's erase never rehashes nor moves other
// elements, so advancing before erasing gives the same result.
#ifndef PLENARY_SHIM_ANKERL_UNORDERED_DENSE_H
#define PLENARY_SHIM_ANKERL_UNORDERED_DENSE_H

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <utility>

namespace ankerl::unordered_dense
{
	// Same call shape as ankerl::unordered_dense::hash<T>{}(value).
	template<class T>
	struct hash
	{
		std::uint64_t operator()(const T& value) const
		{
			return static_cast<std::uint64_t>(absl::Hash<T>{}(value));
		}
	};

	template<
	  class Key,
	  class T,
	  class Hash     = absl::Hash<Key>,
	  class KeyEqual = std::equal_to<Key>,
	  class Alloc    = std::allocator<std::pair<const Key, T>>>
	class map : public absl::flat_hash_map<Key, T, Hash, KeyEqual, Alloc>
	{
		using Base = absl::flat_hash_map<Key, T, Hash, KeyEqual, Alloc>;

	public:
		using Base::Base;
		using Base::erase;

		typename Base::iterator erase(typename Base::iterator it)
		{
			auto next = std::next(it);

			Base::erase(it);

			return next;
		}
	};

	template<
	  class Key,
	  class Hash     = absl::Hash<Key>,
	  class KeyEqual = std::equal_to<Key>,
	  class Alloc    = std::allocator<Key>>
	class set : public absl::flat_hash_set<Key, Hash, KeyEqual, Alloc>
	{
		using Base = absl::flat_hash_set<Key, Hash, KeyEqual, Alloc>;

	public:
		using Base::Base;
		using Base::erase;

		typename Base::iterator erase(typename Base::iterator it)
		{
			auto next = std::next(it);

			Base::erase(it);

			return next;
		}
	};
} // namespace ankerl::unordered_dense

#endif
