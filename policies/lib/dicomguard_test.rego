package dicomguard.lib_test

import data.dicomguard.lib

test_ascending_orders_numbers_by_value if {
	lib.ascending({11112, 104, 8042, 4242, 9}) == [9, 104, 4242, 8042, 11112]
}

test_ascending_of_nothing_is_empty if {
	lib.ascending(set()) == []
}
