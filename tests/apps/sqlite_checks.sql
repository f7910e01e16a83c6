-- Run by Debian's sqlite3 shell on Flint (tests/boot/dynamic_cases.py).
create table fruit(name text, n int);
insert into fruit values ('pear', 3), ('apple', 5), ('fig', 1);
select name, n * 2 from fruit order by name;
select count(*), sum(n) from fruit;
