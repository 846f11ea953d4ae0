package main

import "fmt"

// plural counts a noun in English: "1 document", "2 documents", "0 documents".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
