// Package ner is a statistical sequence tagger for the names of people, organisations
// and places: an averaged perceptron over BIO tags with Viterbi decoding, over features
// of each word and its neighbours (shape, affixes, capitalisation of its line,
// gazetteers). Train learns a Model from annotated documents; the model file is small
// (quantised weights in a hashed table) and loads without parsing.
package ner
