package store

import (
	"reflect"
	"testing"
)

func TestAnnotationsSendingThenPosted(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		check := func(step string, id int64, want map[string]bool) {
			t.Helper()
			got, err := s.Annotations(ctx, "o/r", id)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Annotations(%d) = %v, %v; want %v", step, id, got, err, want)
			}
		}
		check("none", 1, map[string]bool{})
		must(s.SendingAnnotations(ctx, "o/r", 1, []string{"a#0", "b#0"}))
		must(s.PostedAnnotations(ctx, "o/r", 1, []string{"a#0", "b#0"}))
		must(s.SendingAnnotations(ctx, "o/r", 1, []string{"b#0", "c#0"})) // b stays posted
		must(s.SendingAnnotations(ctx, "o/r", 2, []string{"a#0"}))
		must(s.SendingAnnotations(ctx, "o/other", 1, []string{"z#0"}))
		check("sending", 1, map[string]bool{"a#0": true, "b#0": true, "c#0": false})
		must(s.ForgetSendingAnnotations(ctx, "o/r", 1))
		check("forgotten", 1, map[string]bool{"a#0": true, "b#0": true})
		check("other run", 2, map[string]bool{"a#0": false})
		// A listing can find a key that was never recorded as sending.
		must(s.PostedAnnotations(ctx, "o/r", 2, []string{"a#0", "d#0"}))
		check("posted from a listing", 2, map[string]bool{"a#0": true, "d#0": true})
	})
}

func TestReviewIntents(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.BeginReview(ctx, "o/r", 1, Review{Marker: "m1", Fingerprints: []string{"fa", "fb"}}))
		must(s.BeginReview(ctx, "o/r", 1, Review{Marker: "m2", Fingerprints: []string{"fc"}}))
		must(s.BeginReview(ctx, "o/r", 2, Review{Marker: "m3"}))
		if err := s.BeginReview(ctx, "o/r", 1, Review{Marker: "m1"}); err == nil {
			t.Error("the same marker twice accepted")
		}
		pending, err := s.PendingReviews(ctx, "o/r", 1)
		if err != nil || len(pending) != 2 || pending[0].Marker != "m1" || !reflect.DeepEqual(pending[0].Fingerprints, []string{"fa", "fb"}) {
			t.Fatalf("PendingReviews = %+v, %v", pending, err)
		}
		must(s.FinishReview(ctx, "o/r", 1, Review{Marker: "m1", Fingerprints: []string{"fa", "fb"}, ID: 99}))
		must(s.DropReview(ctx, "o/r", 1, "m2"))
		must(s.DropReview(ctx, "o/r", 1, "m1")) // finished: kept
		if pending, err := s.PendingReviews(ctx, "o/r", 1); err != nil || len(pending) != 0 {
			t.Errorf("after finish and drop: %+v, %v", pending, err)
		}
		posted, err := s.PostedSuggestions(ctx, "o/r", 1)
		if err != nil || !reflect.DeepEqual(posted, map[string]bool{"fa": true, "fb": true}) {
			t.Errorf("posted after finishing = %v, %v", posted, err)
		}
		// A review another job's listing dropped before it was made is
		// recorded when its answer comes.
		must(s.FinishReview(ctx, "o/r", 1, Review{Marker: "m2", Fingerprints: []string{"fc"}, ID: 100}))
		if posted, _ := s.PostedSuggestions(ctx, "o/r", 1); !posted["fc"] {
			t.Errorf("a dropped then finished review's suggestion is not recorded: %v", posted)
		}
		if err := s.FinishReview(ctx, "o/r", 1, Review{Marker: "m4"}); err == nil {
			t.Error("finishing without an ID succeeded")
		}
		if pending, _ := s.PendingReviews(ctx, "o/r", 2); len(pending) != 1 || len(pending[0].Fingerprints) != 0 {
			t.Errorf("review without suggestions: %+v", pending)
		}
		// The reviews known to be posted are the app's; a pending one is
		// not yet.
		reviews, err := s.PostedReviews(ctx, "o/r", 1)
		if err != nil || !reflect.DeepEqual(reviews, map[int64]bool{99: true, 100: true}) {
			t.Errorf("PostedReviews(#1) = %v, %v; want 99 and 100", reviews, err)
		}
		if reviews, err := s.PostedReviews(ctx, "o/r", 2); err != nil || len(reviews) != 0 {
			t.Errorf("PostedReviews(#2) = %v, %v; want none (its review is pending)", reviews, err)
		}
	})
}
